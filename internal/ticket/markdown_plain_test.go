package ticket

import (
	"compress/gzip"
	"encoding/csv"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"switchboard/internal/corpora"
)

// renderPlain must give exactly what goldmark + bluemonday give for every
// input it takes. The inputs: the IT ticket corpus, real mails and reply
// bodies (whole, per line and in windows of lines), XSS vectors, and
// generated text made of the pieces that decide between the fast path and
// the full one (emphasis runs, entities, list and heading starts, autolink
// look-alikes, CRLF, trailing spaces, non-ASCII). It also checks that the
// fast path takes most ordinary tickets, so the test fails if it stops
// being used as much as if it goes wrong.
func TestRenderPlainEqualsFull(t *testing.T) {
	t.Parallel()
	var taken, total int
	check := func(what, src string) {
		total++
		got, ok := renderPlain(src)
		if !ok {
			return
		}
		taken++
		if want := renderMarkdown(src); got != want {
			t.Errorf("%s: renderPlain(%q)\n = %q\nwant %q", what, src, got, want)
		}
	}

	docs := ticketCorpus(t)
	docTaken := 0
	for i, d := range docs {
		before := taken
		check("ticket corpus", d)
		docTaken += taken - before
		if i%7 == 0 { // the same text as a requester types it: capitals, lines, bold
			check("ticket corpus, edited", editLikeAPerson(d, i))
		}
	}
	if len(docs) > 0 && docTaken < len(docs)*9/10 {
		t.Errorf("fast path took %d of %d corpus tickets, want at least 90%%", docTaken, len(docs))
	}

	for _, src := range mailTexts(t) {
		check("mail", src)
		lines := strings.Split(src, "\n")
		for i := range lines {
			check("mail line", lines[i])
			if i+3 <= len(lines) {
				check("mail lines", strings.Join(lines[i:i+3], "\n"))
			}
		}
	}

	r := rand.New(rand.NewPCG(20, 1))
	for range 30_000 {
		check("generated", generatedMarkdown(r))
	}
	for _, src := range plainSamples {
		check("sample", src)
		if _, ok := renderPlain(src); !ok {
			t.Errorf("fast path refused the ordinary text %q", src)
		}
	}
	t.Logf("fast path took %d of %d inputs (%d of %d corpus tickets)", taken, total, docTaken, len(docs))
}

// plainSamples are ordinary descriptions the fast path must take.
var plainSamples = []string{
	"Since this morning the VPN client disconnects every few minutes; reconnecting works for a while.\n\n" +
		"I am on the **office Wi-Fi**, laptop model X1.",
	"Printer on floor 3 jams.\r\nIt's the \"big\" one (HP 4250) & it says: error 13.2!\r\n\r\nThanks, Ann",
	"*Urgent*: the 2024-05-01 payroll export fails, 50% of rows missing.",
	"Überweisung schlägt fehl — 日本語 too",
}

// FuzzRenderPlain: whatever the fast path takes, it renders as the full
// pipeline does (go test -fuzz FuzzRenderPlain ./internal/ticket).
func FuzzRenderPlain(f *testing.F) {
	for _, s := range plainSamples {
		f.Add(s)
	}
	r := rand.New(rand.NewPCG(7, 7))
	for range 50 {
		f.Add(generatedMarkdown(r))
	}
	f.Fuzz(func(t *testing.T, src string) {
		if got, ok := renderPlain(src); ok {
			if want := renderMarkdown(src); got != want {
				t.Errorf("renderPlain(%q)\n = %q\nwant %q", src, got, want)
			}
		}
	})
}

// markdownPieces are what generated inputs are made of: ordinary words and
// every kind of near miss.
var markdownPieces = []string{
	"a", "word", "Wi-Fi", "X1", "42", "2024-05-01", "3.5", "é", "日本", "ß",
	" ", " ", " ", "  ", "\t", "\n", "\n", "\n\n", "\r\n", "\r\n\r\n", "\r", " \n", "  \n",
	"*", "**", "***", "**a**", "*b*", "**c d**", "_", "__", "_e_", "~", "~~", "`", "```",
	"&", "& ", "&amp;", "&#39;", "&x", "&;", "'", "\"", "<", ">", "> ", "<b>", "</p>", "<!-- -->",
	"#", "# ", "## ", "-", "- ", "--", "---", "+ ", "=", "===", "1.", "1. ", "2)", "10.", "1",
	"[", "]", "[a](b)", "![i](j)", "(", ")", ".", ",", ";", ":", "!", "?", "|", "| a |", "\\", "\\\n",
	"@", "a@b.co", "x@y", "www.", "www.example.com", "WWW.x.org", "http://a.b", "https://x.io/p", "ftp://f.g", "://",
	"mailto:", "\u00a0", "\u200b", "\u2028", "\ufeff", "\x00", "\x01", "\x7f", "\u0085", "\xff", "\xc3",
	"%", "$", "^", "{", "}", "/", "+", "=",
}

// generatedMarkdown strings a few pieces together, sometimes after a plain
// prefix so the piece lands mid-line.
func generatedMarkdown(r *rand.Rand) string {
	var b strings.Builder
	if r.IntN(2) == 0 {
		b.WriteString("Plain start ")
	}
	for range 1 + r.IntN(12) {
		b.WriteString(markdownPieces[r.IntN(len(markdownPieces))])
	}
	return b.String()
}

// editLikeAPerson turns a lower-cased corpus ticket into what a person
// types: a capital, a full stop, a bold word, lines and paragraphs.
func editLikeAPerson(d string, i int) string {
	w := strings.Fields(d)
	if len(w) == 0 {
		return d
	}
	w[0] = strings.ToUpper(w[0][:1]) + w[0][1:]
	if len(w) > 3 {
		w[2] = "**" + w[2] + "**"
	}
	sep := []string{" ", "\n", "\r\n", "\n\n"}
	var b strings.Builder
	for j, x := range w {
		switch {
		case j == 0:
		case j%5 == 4: // a line or paragraph break now and then
			b.WriteString(sep[(i+j)%len(sep)])
		default:
			b.WriteString(" ")
		}
		b.WriteString(x)
	}
	b.WriteString(".")
	return b.String()
}

// ticketCorpus is the Document column of the IT ticket corpus.
func ticketCorpus(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(corpora.Path(t, "it-tickets/endava-kaggle-47k/train.csv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close() //nolint:errcheck // read-only
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(z).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, row := range rows[1:] {
		out = append(out, row[0])
	}
	return out
}

// mailTexts are the files of the mail and reply corpora and the XSS
// vectors, as text (at most MaxMarkdown bytes each).
func mailTexts(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, dir := range []string{"reply-parsing", "mikel-mail-fixtures", "enmime-testdata", "xss-vectors"} {
		root := corpora.Path(t, dir)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			f, err := os.Open(p) //nolint:gosec // a corpus file
			if err != nil {
				return err
			}
			defer f.Close() //nolint:errcheck // read-only
			b, err := io.ReadAll(io.LimitReader(f, MaxMarkdown))
			out = append(out, string(b))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// BenchmarkRenderMarkdown: the benchmark's ticket description through the
// fast path and through the full pipeline (goldmark, bluemonday, the
// goroutine and budget of RenderMarkdown).
func BenchmarkRenderMarkdown(b *testing.B) {
	src := plainSamples[0]
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = RenderMarkdown(src)
		}
	})
	b.Run("full", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = renderBounded(src)
		}
	})
}
