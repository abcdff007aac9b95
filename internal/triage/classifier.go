package triage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/triage/classify"
)

// Classifier is this node's copy of the active categorisation model. The
// model lives in PostgreSQL; each node loads it at start and swaps in a
// newer one atomically, so a prediction never sees half a model and
// training on any node never blocks triage.
type Classifier struct {
	DB  *postgres.DB
	Log *slog.Logger

	cur atomic.Pointer[loadedModel]
	mu  sync.Mutex // one load at a time
}

type loadedModel struct {
	id    int64
	model *classify.Model
}

// Predict returns the active model's category and confidence for text; ok
// is false while no model exists.
func (c *Classifier) Predict(text string) (label string, confidence float64, modelID int64, ok bool) {
	if c == nil {
		return "", 0, 0, false
	}
	m := c.cur.Load()
	if m == nil {
		return "", 0, 0, false
	}
	label, confidence = m.model.Predict(text)
	return label, confidence, m.id, true
}

// ModelID is the id of the model in use, 0 for none.
func (c *Classifier) ModelID() int64 {
	if m := c.cur.Load(); m != nil {
		return m.id
	}
	return 0
}

// Refresh loads the active model if it is not the one in use, and marks it
// in use so `triage train` knows the switch happened.
func (c *Classifier) Refresh(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	info, err := c.DB.ActiveModelInfo(ctx)
	if err != nil {
		if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
			return nil
		}
		return err
	}
	if cur := c.cur.Load(); cur != nil && cur.id == info.ID {
		return nil
	}
	row, err := c.DB.ActiveModel(ctx)
	if err != nil {
		return err
	}
	m, err := classify.UnmarshalModel(row.Model)
	if err != nil {
		return fmt.Errorf("classifier model %d: %w", row.ID, err)
	}
	c.cur.Store(&loadedModel{id: row.ID, model: m})
	if c.Log != nil {
		c.Log.Info("categorisation model in use", "model", row.ID, "examples", row.Examples)
	}
	return c.DB.MarkModelInUse(ctx, row.ID)
}

// Watch refreshes every interval until ctx ends; it is how a node picks up a
// model trained elsewhere.
func (c *Classifier) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.Refresh(ctx); err != nil && ctx.Err() == nil && c.Log != nil {
				c.Log.Warn("refresh categorisation model", "err", err)
			}
		}
	}
}

// TrainResult describes a stored model.
type TrainResult struct {
	ModelID  int64
	Examples int
	Took     time.Duration
	Report   classify.Report // on the held-out tenth
}

// ErrTooFewExamples is returned when there is nothing to learn from yet.
var ErrTooFewExamples = errors.New("not enough categorised, resolved tickets to train on (import some with `switchboard import tickets`)")

// Train learns a model from imported history and resolved tickets, scores
// it on a held-out tenth, stores it and makes it the active one. It runs
// outside any transaction: reading and training take seconds to minutes
// and must not hold locks that intake needs.
func Train(ctx context.Context, db *postgres.DB, opts classify.Options) (*TrainResult, error) {
	start := time.Now()
	texts, labels, err := db.TrainingExamples(ctx)
	if err != nil {
		return nil, err
	}
	examples := make([]classify.Example, 0, len(texts))
	for i := range texts {
		examples = append(examples, classify.Example{Text: texts[i], Label: labels[i]})
	}
	if len(examples) < 10 {
		return nil, ErrTooFewExamples
	}
	fit, held := holdOut(examples)
	m, err := classify.Train(fit, opts)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	rep := classify.Evaluate(m, held)
	blob, err := m.MarshalBinary()
	if err != nil {
		return nil, err
	}
	metrics, _ := json.Marshal(map[string]any{"accuracy": rep.Accuracy, "macro_f1": rep.MacroF1, "held_out": rep.N,
		"train_seconds": time.Since(start).Seconds()})
	var id int64
	err = db.InTx(ctx, func(tx *postgres.Tx) error {
		var err error
		id, err = tx.StoreModel(ctx, blob, m.Labels(), len(examples), metrics)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &TrainResult{ModelID: id, Examples: len(examples), Took: time.Since(start), Report: rep}, nil
}

// RetrainIfNew trains when tickets were resolved or imported since the
// active model learned; the hourly background job calls it.
func RetrainIfNew(ctx context.Context, db *postgres.DB, opts classify.Options) (*TrainResult, error) {
	n, err := db.CountTrainingExamples(ctx)
	if err != nil {
		return nil, err
	}
	info, err := db.ActiveModelInfo(ctx)
	switch {
	case err != nil && helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND:
		return nil, err // not "no model yet": retraining blind would replace a model for nothing
	case err == nil && info.Examples >= n, n < 10:
		return nil, nil
	}
	return Train(ctx, db, opts)
}

// holdOut sets a tenth aside for scoring, chosen by a salted hash of the
// normalised text: copies of one ticket land on the same side, and the
// split differs from classify.Split's, which an operator may have used to
// cut the file they imported (that would leave this side empty).
func holdOut(examples []classify.Example) (fit, held []classify.Example) {
	for _, ex := range examples {
		h := fnv.New32a()
		_, _ = h.Write([]byte("switchboard-train\x00"))
		_, _ = h.Write([]byte(strings.Join(strings.Fields(strings.ToLower(ex.Text)), " ")))
		if h.Sum32()%10 == 0 {
			held = append(held, ex)
		} else {
			fit = append(fit, ex)
		}
	}
	return fit, held
}
