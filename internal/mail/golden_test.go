package mail

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"switchboard/internal/corpora"
)

// TestStalwartGoldenSubjects compares our decoded Subject with stalwart mail-parser's
// golden parse of the same message (RFC 2047 decoding, folding, odd charsets).
func TestStalwartGoldenSubjects(t *testing.T) {
	root := corpora.Path(t, "")
	files := readCorpus(t, root, "stalwart-mail-parser/resources/eml", hasExt(".eml"))
	var compared, matched int
	for _, f := range files {
		golden, err := os.ReadFile(strings.TrimSuffix(root+"/"+f.name, ".eml") + ".json")
		if err != nil {
			continue
		}
		var g struct {
			Parts []struct {
				Headers []struct {
					Name  string          `json:"name"`
					Value json.RawMessage `json:"value"`
				} `json:"headers"`
			} `json:"parts"`
		}
		if json.Unmarshal(golden, &g) != nil || len(g.Parts) == 0 {
			continue
		}
		for _, h := range g.Parts[0].Headers {
			var v struct{ Text *string }
			if h.Name != "subject" || json.Unmarshal(h.Value, &v) != nil || v.Text == nil {
				continue
			}
			p, err := Parse(f.data)
			if err != nil {
				t.Errorf("%s: %v", f.name, err)
				break
			}
			compared++
			want := strings.Join(strings.Fields(*v.Text), " ")
			if got := strings.Join(strings.Fields(p.Subject), " "); got == want {
				matched++
			} else {
				t.Logf("%s: subject %q, golden %q", f.name, got, want)
			}
			break
		}
	}
	t.Logf("stalwart subjects: %d/%d match the golden parse", matched, compared)
	if compared == 0 || float64(matched) < 0.85*float64(compared) {
		t.Errorf("only %d/%d subjects match stalwart's golden parse", matched, compared)
	}
}
