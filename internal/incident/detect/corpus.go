package detect

import (
	"os"
)

// CorpusFile is the shared IT ticket corpus, relative to shared/test-corpora.
// Find it with corpora.Find or corpora.Path.
const CorpusFile = "it-tickets/endava-kaggle-47k/train.csv.gz"

// LoadCorpus reads the corpus's text and category columns as rows (no times).
func LoadCorpus(path string) ([]Row, error) {
	f, err := os.Open(path) //nolint:gosec // the corpus path is the caller's choice
	if err != nil {
		return nil, err
	}
	defer f.Close() //nolint:errcheck // read-only
	return ReadRows(f, "", "Document", "Topic_group")
}
