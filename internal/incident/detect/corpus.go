package detect

import (
	"os"
	"path/filepath"
)

// CorpusFile is the shared IT ticket corpus, relative to shared/test-corpora.
const CorpusFile = "it-tickets/endava-kaggle-47k/train.csv.gz"

// FindCorpus looks for the corpus under $SWITCHBOARD_CORPORA, then in the
// first shared/test-corpora walking up from the working directory; "" when
// absent.
func FindCorpus() string {
	var tried []string
	if dir := os.Getenv("SWITCHBOARD_CORPORA"); dir != "" {
		tried = append(tried, filepath.Join(dir, CorpusFile))
	}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			tried = append(tried, filepath.Join(dir, "shared", "test-corpora", CorpusFile))
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	for _, p := range tried {
		if _, err := os.Stat(p); err == nil { //nolint:gosec // test corpus lookup, paths chosen by the developer
			return p
		}
	}
	return ""
}

// LoadCorpus reads the corpus's text and category columns as rows (no times).
func LoadCorpus(path string) ([]Row, error) {
	f, err := os.Open(path) //nolint:gosec // the corpus path is the caller's choice
	if err != nil {
		return nil, err
	}
	defer f.Close() //nolint:errcheck // read-only
	return ReadRows(f, "", "Document", "Topic_group")
}
