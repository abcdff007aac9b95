package classify

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
)

// Report is the outcome of scoring a model on labelled examples it did
// not learn from.
type Report struct {
	// N is the number of examples scored.
	N int
	// Accuracy is the share of examples predicted correctly.
	Accuracy float64
	// MacroF1 is the unweighted mean of per-label F1, which, unlike
	// accuracy, does not let the big categories hide a neglected small one.
	MacroF1 float64
	// Labels names the rows and columns of Confusion: the model's labels
	// followed by any label seen only in the examples.
	Labels []string
	// Confusion[i][j] counts examples labelled Labels[i] predicted as
	// Labels[j].
	Confusion [][]int
	// PerLabel holds precision, recall and F1 per label, in Labels order.
	PerLabel []LabelScore
	// Coverage is the accuracy on the most confident share of examples
	// (0.8 and 0.9): what triage gets right if it leaves the rest to a
	// person ("needs triage").
	Coverage []CoveragePoint
	// Reliability bins the confidence in tenths: how often the model was
	// right when it said 0.7-0.8, and so on. ECE is the expected
	// calibration error: the bins' gaps weighted by their size.
	Reliability []ReliabilityBin
	ECE         float64
}

// CoveragePoint is the accuracy on the Share most confident examples and
// the confidence of the least confident one kept (the threshold to set).
type CoveragePoint struct {
	Share, Accuracy, Threshold float64
}

// ReliabilityBin is one confidence range with the mean confidence and the
// accuracy of the examples in it; a calibrated model has the two equal.
type ReliabilityBin struct {
	From, To, Confidence, Accuracy float64
	N                              int
}

// coverageAndReliability fills Coverage, Reliability and ECE from each
// example's confidence and whether it was right.
func (r *Report) coverageAndReliability(conf []float64, right []bool) {
	n := len(conf)
	if n == 0 {
		return
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return conf[order[a]] > conf[order[b]] })
	for _, share := range []float64{0.8, 0.9} {
		k := max(1, int(math.Round(share*float64(n))))
		ok := 0
		for _, i := range order[:k] {
			if right[i] {
				ok++
			}
		}
		r.Coverage = append(r.Coverage, CoveragePoint{Share: share, Accuracy: float64(ok) / float64(k), Threshold: conf[order[k-1]]})
	}
	bins := make([]ReliabilityBin, 10)
	for b := range bins {
		bins[b].From, bins[b].To = float64(b)/10, float64(b+1)/10
	}
	for i := range conf {
		b := min(9, int(conf[i]*10))
		bins[b].N++
		bins[b].Confidence += conf[i]
		if right[i] {
			bins[b].Accuracy++
		}
	}
	for _, b := range bins {
		if b.N == 0 {
			continue
		}
		b.Confidence /= float64(b.N)
		b.Accuracy /= float64(b.N)
		r.ECE += float64(b.N) / float64(n) * math.Abs(b.Accuracy-b.Confidence)
		r.Reliability = append(r.Reliability, b)
	}
}

// LabelScore is one label's precision, recall and F1; Support is the
// number of examples that truly carry the label.
type LabelScore struct {
	Label                 string
	Precision, Recall, F1 float64
	Support               int
}

// Evaluate predicts every example and compares with its label. Labels the
// model never saw still get a row, so the report shows them as misses
// rather than silently dropping them.
func Evaluate(m *Model, examples []Example) Report {
	labels := m.Labels()
	index := make(map[string]int, len(labels))
	for i, l := range labels {
		index[l] = i
	}
	for _, ex := range examples {
		if _, ok := index[ex.Label]; !ok {
			index[ex.Label] = len(labels)
			labels = append(labels, ex.Label)
		}
	}
	r := Report{N: len(examples), Labels: labels, Confusion: make([][]int, len(labels))}
	for i := range r.Confusion {
		r.Confusion[i] = make([]int, len(labels))
	}
	correct := 0
	conf := make([]float64, 0, len(examples))
	right := make([]bool, 0, len(examples))
	for _, ex := range examples {
		got, c := m.Predict(ex.Text)
		t, p := index[ex.Label], index[got]
		r.Confusion[t][p]++
		if t == p {
			correct++
		}
		conf, right = append(conf, c), append(right, t == p)
	}
	r.coverageAndReliability(conf, right)
	if r.N > 0 {
		r.Accuracy = float64(correct) / float64(r.N)
	}
	var sumF1 float64
	for i, l := range labels {
		tp := r.Confusion[i][i]
		var predicted, support int
		for j := range labels {
			predicted += r.Confusion[j][i]
			support += r.Confusion[i][j]
		}
		s := LabelScore{Label: l, Support: support}
		if predicted > 0 {
			s.Precision = float64(tp) / float64(predicted)
		}
		if support > 0 {
			s.Recall = float64(tp) / float64(support)
		}
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		r.PerLabel = append(r.PerLabel, s)
		sumF1 += s.F1
	}
	if len(labels) > 0 {
		r.MacroF1 = sumF1 / float64(len(labels))
	}
	return r
}

// WriteTable writes the confusion matrix (rows are true labels, columns
// predictions, headed by each label's first letters), the per-label
// scores, and a last line "accuracy=0.xxxx macro_f1=0.xxxx n=N" that
// scripts can grep. It returns the error of writing to w.
func (r Report) WriteTable(w io.Writer) error {
	// Writes go to a buffer (which cannot fail); the one write to w is checked.
	var out bytes.Buffer
	tw := tabwriter.NewWriter(&out, 0, 0, 2, ' ', tabwriter.AlignRight)
	short := make([]string, len(r.Labels))
	for i, l := range r.Labels {
		short[i] = abbreviate(l)
	}
	fmt.Fprintf(tw, "true\\pred\t%s\t\n", strings.Join(short, "\t"))
	for i, row := range r.Confusion {
		cells := make([]string, len(row))
		for j, c := range row {
			cells[j] = fmt.Sprint(c)
		}
		fmt.Fprintf(tw, "%s\t%s\t\n", r.Labels[i], strings.Join(cells, "\t"))
	}
	fmt.Fprintln(tw, "\t")
	fmt.Fprintln(tw, "label\tprecision\trecall\tf1\tsupport\t")
	for _, s := range r.PerLabel {
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%d\t\n", s.Label, s.Precision, s.Recall, s.F1, s.Support)
	}
	if len(r.Reliability) > 0 {
		fmt.Fprintln(tw, "\t")
		fmt.Fprintln(tw, "confidence\tmean confidence\taccuracy\ttickets\t")
		for _, b := range r.Reliability {
			fmt.Fprintf(tw, "%.1f-%.1f\t%.4f\t%.4f\t%d\t\n", b.From, b.To, b.Confidence, b.Accuracy, b.N)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Reliability) > 0 {
		fmt.Fprintf(&out, "calibration: expected calibration error %.4f\n", r.ECE)
	}
	for _, c := range r.Coverage {
		fmt.Fprintf(&out, "accuracy at %.0f%% coverage=%.4f (confidence >= %.4f; the rest goes to needs triage)\n", 100*c.Share, c.Accuracy, c.Threshold)
	}
	fmt.Fprintf(&out, "overall accuracy=%.4f at 100%% coverage\n", r.Accuracy)
	fmt.Fprintf(&out, "accuracy=%.4f macro_f1=%.4f n=%d\n", r.Accuracy, r.MacroF1, r.N)
	_, err := w.Write(out.Bytes())
	return err
}

// abbreviate shortens a label for a column heading: initials of its words
// ("HR Support" -> "HS"), or its first three letters for one word, so the
// matrix stays narrow however long category names are.
func abbreviate(l string) string {
	f := strings.Fields(l)
	if len(f) == 0 {
		return "?"
	}
	if len(f) == 1 {
		r := []rune(f[0])
		return string(r[:min(3, len(r))])
	}
	var b strings.Builder
	for _, w := range f[:min(3, len(f))] {
		r := []rune(w)
		b.WriteRune(r[0])
	}
	return b.String()
}
