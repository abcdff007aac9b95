package classify

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/corpora"
)

// ticketsFile is the reference corpus, relative to shared/test-corpora.
const ticketsFile = "it-tickets/endava-kaggle-47k/train.csv.gz"

// heldOutPercent is the share of the corpus the accuracy test scores on.
const heldOutPercent = 12

// trained holds the model trained once on the corpus and shared by every
// test and benchmark, since training is the slow part of the package.
var trained struct {
	once      sync.Once
	model     *Model
	test      []Example
	trainTime time.Duration
	err       error
}

func corpusModel(t testing.TB) (*Model, []Example) {
	t.Helper()
	path := corpora.Path(t, ticketsFile)
	trained.once.Do(func() {
		f, err := os.Open(path)
		if err != nil {
			trained.err = err
			return
		}
		defer f.Close() //nolint:errcheck // read only
		examples, err := ReadCSV(f, "Document", "Topic_group")
		if err != nil {
			trained.err = err
			return
		}
		train, test := Split(examples, heldOutPercent)
		start := time.Now()
		trained.model, trained.err = Train(train, Options{})
		trained.trainTime = time.Since(start)
		trained.test = test
	})
	if trained.err != nil {
		t.Fatal(trained.err)
	}
	return trained.model, trained.test
}

func TestHeldOutAccuracy(t *testing.T) {
	m, test := corpusModel(t)
	r := Evaluate(m, test)
	var buf bytes.Buffer
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	t.Logf("held-out evaluation (%d%% of corpus, split by text hash):\n%s", heldOutPercent, buf.String())
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("train time %v on GOMAXPROCS=%d; features=%d temperature=%.3f; heap sys %d MiB",
		trained.trainTime.Round(time.Millisecond), runtime.GOMAXPROCS(0), len(m.df), m.temp, ms.HeapSys>>20)
	if r.N < 1000 {
		t.Fatalf("held-out part has only %d examples", r.N)
	}
	// 0.85 is the bar the issue sets, above naive Bayes (~0.75) and a
	// TF-IDF perceptron (~0.83) on this corpus.
	if r.Accuracy < 0.85 {
		t.Errorf("held-out accuracy %.4f < 0.85 (macro-F1 %.4f)", r.Accuracy, r.MacroF1)
	}
	if r.MacroF1 < 0.80 {
		t.Errorf("held-out macro-F1 %.4f < 0.80: a small category is being neglected", r.MacroF1)
	}
	// Leaving the least confident tickets to a person must buy accuracy,
	// and the confidence must mean what it says (reliability).
	if len(r.Coverage) != 2 || r.Coverage[0].Accuracy <= r.Accuracy || r.Coverage[1].Accuracy <= r.Accuracy ||
		r.Coverage[0].Accuracy < r.Coverage[1].Accuracy {
		t.Errorf("accuracy at 80%%/90%% coverage %+v vs overall %.4f", r.Coverage, r.Accuracy)
	}
	if r.ECE > 0.05 {
		t.Errorf("expected calibration error %.4f > 0.05", r.ECE)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "accuracy=") || !strings.Contains(last, " macro_f1=") || !strings.Contains(buf.String(), "accuracy at 80% coverage=") {
		t.Errorf("eval output's last line %q breaks the contract", last)
	}
}

// TestConfidenceCalibrated checks that confidence means what it says: on
// held-out tickets the mean confidence is close to the hit rate, and
// confident predictions are right more often than unsure ones.
func TestConfidenceCalibrated(t *testing.T) {
	m, test := corpusModel(t)
	var sumConf float64
	var hi, hiOK, lo, loOK int
	for _, ex := range test {
		got, p := m.Predict(ex.Text)
		if p < 0 || p > 1 {
			t.Fatalf("confidence %v out of [0,1]", p)
		}
		sumConf += p
		if p >= 0.8 {
			hi++
			if got == ex.Label {
				hiOK++
			}
		} else {
			lo++
			if got == ex.Label {
				loOK++
			}
		}
	}
	r := Evaluate(m, test)
	mean := sumConf / float64(len(test))
	t.Logf("mean confidence %.4f vs accuracy %.4f; conf>=0.8: %d at %.4f, below: %d at %.4f",
		mean, r.Accuracy, hi, float64(hiOK)/float64(max(hi, 1)), lo, float64(loOK)/float64(max(lo, 1)))
	if d := mean - r.Accuracy; d > 0.05 || d < -0.05 {
		t.Errorf("mean confidence %.4f is more than 0.05 from accuracy %.4f", mean, r.Accuracy)
	}
	if hi == 0 || lo == 0 || float64(hiOK)/float64(hi) <= float64(loOK)/float64(lo) {
		t.Errorf("confident predictions are not more accurate than unsure ones")
	}
}

func TestMarshalRoundTripCorpus(t *testing.T) {
	m, test := corpusModel(t)
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("model size %d bytes (%d features, %d labels)", len(b), len(m.df), len(m.labels))
	m2, err := UnmarshalModel(b)
	if err != nil {
		t.Fatal(err)
	}
	assertSamePredictions(t, m, m2, test)
}

func TestPredictEmptyText(t *testing.T) {
	m := syntheticModel(t)
	for _, text := range []string{"", "   ", "!!! ???", "\xff\xfe"} {
		label, p := m.Predict(text)
		if label == "" || p < 0 || p > 1 {
			t.Errorf("Predict(%q) = %q, %v", text, label, p)
		}
	}
}

func TestSynthetic(t *testing.T) {
	m := syntheticModel(t)
	cases := map[string]string{
		"my laptop screen is cracked and flickering":      "Hardware",
		"please reset my password, account locked":        "Access",
		"question about my payslip and holiday allowance": "HR Support",
	}
	for text, want := range cases {
		if got, p := m.Predict(text); got != want {
			t.Errorf("Predict(%q) = %q (%.2f), want %q", text, got, p, want)
		}
	}
	if got := m.Labels(); strings.Join(got, ",") != "Access,HR Support,Hardware" {
		t.Errorf("Labels() = %q", got)
	}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	m2, err := UnmarshalModel(b)
	if err != nil {
		t.Fatal(err)
	}
	var probe []Example
	for text := range cases {
		probe = append(probe, Example{Text: text})
	}
	assertSamePredictions(t, m, m2, append(probe, Example{Text: ""}, Example{Text: "unrelated words entirely"}))
}

func TestUnmarshalRejectsGarbage(t *testing.T) {
	m := syntheticModel(t)
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for name, blob := range map[string][]byte{
		"empty":     nil,
		"magic":     []byte("nope!"),
		"version":   append([]byte("SBCL\x09"), b[5:]...),
		"truncated": b[:len(b)/2],
	} {
		if _, err := UnmarshalModel(blob); err == nil {
			t.Errorf("%s: UnmarshalModel succeeded", name)
		}
	}
}

func TestTrainErrors(t *testing.T) {
	if _, err := Train(nil, Options{}); err == nil {
		t.Error("Train(nil) succeeded")
	}
	one := []Example{{"a b c", "X"}, {"d e f", "X"}}
	if _, err := Train(one, Options{}); err == nil {
		t.Error("Train with one label succeeded")
	}
}

func TestReadCSV(t *testing.T) {
	const data = "\ufeffid,Document,Topic_group\n" +
		"1,\"printer, 3rd floor \"\"jams\"\"\nagain\",Hardware\n" +
		"2,vpn access please,Access\n" +
		"3,,Access\n" // blank text: skipped
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{"plain": []byte(data), "gzip": gz.Bytes()} {
		got, err := ReadCSV(bytes.NewReader(in), "Document", "Topic_group")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := []Example{{"printer, 3rd floor \"jams\"\nagain", "Hardware"}, {"vpn access please", "Access"}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
}

func TestReadCSVMissingColumn(t *testing.T) {
	_, err := ReadCSV(strings.NewReader("Document,Category\nx,y\n"), "Document", "Topic_group")
	if err == nil || !strings.Contains(err.Error(), `"Topic_group"`) {
		t.Errorf("err = %v, want one naming the missing column", err)
	}
	if _, err := ReadCSV(strings.NewReader(""), "Document", "Topic_group"); err == nil {
		t.Error("empty input: no error")
	}
}

func TestSplit(t *testing.T) {
	var ex []Example
	for i := range 2000 {
		ex = append(ex, Example{Text: fmt.Sprintf("ticket number %d", i), Label: "L"})
	}
	ex = append(ex, Example{Text: "Same  TICKET", Label: "A"}, Example{Text: "same ticket ", Label: "B"})
	train, test := Split(ex, 15)
	if len(train)+len(test) != len(ex) {
		t.Fatalf("split lost examples: %d+%d != %d", len(train), len(test), len(ex))
	}
	if f := float64(len(test)) / float64(len(ex)); f < 0.12 || f > 0.18 {
		t.Errorf("held-out fraction %.3f, want about 0.15", f)
	}
	last := func(part []Example) int {
		n := 0
		for _, e := range part {
			if strings.EqualFold(strings.Join(strings.Fields(e.Text), " "), "same ticket") {
				n++
			}
		}
		return n
	}
	if a, b := last(train), last(test); a != 0 && b != 0 {
		t.Errorf("near-duplicate tickets landed on both sides (%d train, %d test)", a, b)
	}
	train2, _ := Split(ex, 15)
	if fmt.Sprint(train) != fmt.Sprint(train2) {
		t.Error("Split is not deterministic")
	}
}

func TestWriteTableLastLine(t *testing.T) {
	m := syntheticModel(t)
	var buf bytes.Buffer
	Evaluate(m, []Example{{"laptop broken", "Hardware"}, {"password reset", "Access"}, {"new label", "Other"}}).WriteTable(&buf) //nolint:errcheck // a bytes.Buffer does not fail
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	lastLine := lines[len(lines)-1]
	var acc, f1 float64
	var n int
	if _, err := fmt.Sscanf(lastLine, "accuracy=%f macro_f1=%f n=%d", &acc, &f1, &n); err != nil || n != 3 {
		t.Errorf("last line %q: %v", lastLine, err)
	}
	if !strings.Contains(buf.String(), "Other") {
		t.Error("label unknown to the model missing from the table")
	}
}

func BenchmarkPredict(b *testing.B) {
	m, test := corpusModel(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		m.Predict(test[i%len(test)].Text)
	}
}

func assertSamePredictions(t *testing.T, a, b *Model, examples []Example) {
	t.Helper()
	for _, ex := range examples {
		la, pa := a.Predict(ex.Text)
		lb, pb := b.Predict(ex.Text)
		if la != lb || pa != pb {
			t.Fatalf("Predict(%.40q): trained %q %v, loaded %q %v", ex.Text, la, pa, lb, pb)
		}
	}
}

var synthetic struct {
	once  sync.Once
	model *Model
	err   error
}

// syntheticModel trains on generated tickets, so the API is tested
// without the corpus.
func syntheticModel(t *testing.T) *Model {
	t.Helper()
	synthetic.once.Do(func() {
		topics := map[string][]string{
			"Hardware":   {"laptop", "screen", "keyboard", "cracked", "flickering", "monitor", "docking"},
			"Access":     {"password", "reset", "account", "locked", "vpn", "login", "permission"},
			"HR Support": {"payslip", "holiday", "allowance", "contract", "leave", "salary", "benefits"},
		}
		filler := []string{"please", "help", "thanks", "hi", "regards", "urgent", "today"}
		var ex []Example
		for label, words := range topics {
			for i := range 60 {
				text := fmt.Sprintf("%s %s %s %s", filler[i%len(filler)], words[i%len(words)],
					words[(i*3+1)%len(words)], filler[(i+2)%len(filler)])
				ex = append(ex, Example{Text: text, Label: label})
			}
		}
		synthetic.model, synthetic.err = Train(ex, Options{})
	})
	if synthetic.err != nil {
		t.Fatal(synthetic.err)
	}
	return synthetic.model
}

// TestDeterministic checks that the worker count does not change the
// model: the lead relies on retraining giving the same bytes.
func TestDeterministic(t *testing.T) {
	ex := []Example{
		{"laptop screen cracked", "Hardware"}, {"keyboard broken laptop", "Hardware"},
		{"monitor flickering", "Hardware"}, {"password reset please", "Access"},
		{"account locked vpn", "Access"}, {"login fails password", "Access"},
	}
	var blobs [][]byte
	for _, w := range []int{1, 3} {
		m, err := Train(ex, Options{Workers: w, MinDF: 1})
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, b)
	}
	if !bytes.Equal(blobs[0], blobs[1]) {
		t.Error("models trained with 1 and 3 workers differ")
	}
}
