package classify

import (
	"os"
	"strconv"
	"testing"
	"time"
)

func envInt(k string, d int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil {
		return v
	}
	return d
}

func TestExperiment(t *testing.T) {
	if os.Getenv("EXP") == "" {
		t.Skip()
	}
	f, err := os.Open("/work/shared/test-corpora/it-tickets/endava-kaggle-47k/train.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := ReadCSV(f, "Document", "Topic_group")
	if err != nil {
		t.Fatal(err)
	}
	tr, te := Split(ex, 12)
	c, _ := strconv.ParseFloat(os.Getenv("C"), 64)
	cw, _ := strconv.ParseFloat(os.Getenv("CW"), 64)
	o := Options{HashBits: envInt("BITS", 0), MinDF: envInt("MINDF", 0), CharMin: envInt("CMIN", 0), CharMax: envInt("CMAX", 0),
		NoBigrams: os.Getenv("NOBI") != "", C: c, CharWeight: cw, Epochs: envInt("EPOCHS", 0), CalibrationPercent: envInt("CAL", 0)}
	start := time.Now()
	m, err := Train(tr, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("train %v feats=%d temp=%.3f", time.Since(start), len(m.df), m.temp)
	r := Evaluate(m, te)
	r.WriteTable(os.Stdout)
}

func TestPhases(t *testing.T) {
	if os.Getenv("EXP") == "" {
		t.Skip()
	}
	f, _ := os.Open("/work/shared/test-corpora/it-tickets/endava-kaggle-47k/train.csv.gz")
	ex, _ := ReadCSV(f, "Document", "Topic_group")
	tr, _ := Split(ex, 12)
	o := Options{CharMax: envInt("CMAX", 0)}.withDefaults()
	texts := make([]string, len(tr))
	lab := make([]string, len(tr))
	for i, e := range tr {
		texts[i], lab[i] = e.Text, e.Label
	}
	m := &Model{labels: []string{"Access", "Administrative rights", "HR Support", "Hardware", "Internal Project", "Miscellaneous", "Purchase", "Storage"},
		feat: featurizer{bits: uint8(o.HashBits), charMin: uint8(o.CharMin), charMax: uint8(o.CharMax), bigrams: true}, wordWeight: 1, charWeight: 1}
	s := time.Now()
	m.buildVocab(texts, o)
	t.Logf("vocab %v", time.Since(s))
	s = time.Now()
	d := m.vectorizeAll(texts, lab, o.Workers)
	nnz := 0
	for _, r := range d.idx {
		nnz += len(r)
	}
	t.Logf("vectorize %v nnz=%d", time.Since(s), nnz)
	s = time.Now()
	all := make([]int, d.rows())
	for i := range all {
		all[i] = i
	}
	newOvR(d, 8, o.C, 1).solve(all, o.Epochs, o.Workers)
	t.Logf("svm %v", time.Since(s))
}
