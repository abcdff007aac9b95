package classify

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Stored form, version 1: a 5-byte header ("SBCL" and a version byte),
// then DEFLATE of the body below. Integers are unsigned varints, floats
// little-endian float32 bits.
//
//	bits charMin charMax bigrams(0/1) wordWeight charWeight temp nDocs
//	K, then K labels as length+bytes
//	F, then F bucket deltas (buckets ascend; feature id = position), F df
//	K scales, K biases, F*K int8 weights (feature-major)
//
// Keeping df instead of idf stores small integers that compress well and
// lets idf be recomputed exactly; DEFLATE mostly pays off on the bucket
// deltas and the many near-zero weights.
const (
	codecMagic   = "SBCL"
	codecVersion = 1
)

// MarshalBinary encodes the model compactly for storage (a few megabytes
// for ~40k tickets), for example in a PostgreSQL bytea column.
func (m *Model) MarshalBinary() ([]byte, error) {
	var body []byte
	uv := func(v uint64) { body = binary.AppendUvarint(body, v) }
	f32 := func(v float32) { body = binary.LittleEndian.AppendUint32(body, math.Float32bits(v)) }
	uv(uint64(m.feat.bits))
	uv(uint64(m.feat.charMin))
	uv(uint64(m.feat.charMax))
	if m.feat.bigrams {
		uv(1)
	} else {
		uv(0)
	}
	f32(m.wordWeight)
	f32(m.charWeight)
	f32(m.temp)
	uv(uint64(m.nDocs))
	uv(uint64(len(m.labels)))
	for _, l := range m.labels {
		uv(uint64(len(l)))
		body = append(body, l...)
	}
	buckets := m.sortedBuckets()
	uv(uint64(len(buckets)))
	prev := uint32(0)
	for _, b := range buckets {
		uv(uint64(b - prev))
		prev = b
	}
	for _, c := range m.df {
		uv(uint64(c))
	}
	for _, s := range m.scale {
		f32(s)
	}
	for _, b := range m.bias {
		f32(b)
	}
	for _, w := range m.weights {
		body = append(body, byte(w))
	}
	var out bytes.Buffer
	out.WriteString(codecMagic)
	out.WriteByte(codecVersion)
	zw, err := flate.NewWriter(&out, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// sortedBuckets lists buckets by feature id, which is ascending bucket
// order because buildVocab numbers them that way.
func (m *Model) sortedBuckets() []uint32 {
	out := make([]uint32, 0, len(m.df))
	for b, id := range m.ids {
		if id >= 0 {
			out = append(out, uint32(b))
		}
	}
	return out
}

// maxModelBody bounds decompression, so a corrupt or hostile blob cannot
// exhaust memory (real models are a few megabytes).
const maxModelBody = 1 << 30

// UnmarshalModel decodes a model written by MarshalBinary. It validates
// sizes and ranges rather than trusting the blob, and fails with a clear
// error on another format version.
func UnmarshalModel(b []byte) (*Model, error) {
	if len(b) < len(codecMagic)+1 || string(b[:len(codecMagic)]) != codecMagic {
		return nil, errors.New("classify: unmarshal: not a classifier model")
	}
	if v := b[len(codecMagic)]; v != codecVersion {
		return nil, fmt.Errorf("classify: unmarshal: model format version %d, want %d", v, codecVersion)
	}
	body, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(b[len(codecMagic)+1:])), maxModelBody))
	if err != nil {
		return nil, fmt.Errorf("classify: unmarshal: %w", err)
	}
	r := &reader{b: body}
	m := &Model{}
	bits, cmin, cmax, bi := r.uv(), r.uv(), r.uv(), r.uv()
	if r.err == nil && (bits < 10 || bits > maxHashBits || cmin > cmax || cmax > uint64(maxCharGram) || bi > 1) {
		return nil, errors.New("classify: unmarshal: bad feature settings")
	}
	m.feat = featurizer{bits: uint8(bits), charMin: uint8(cmin), charMax: uint8(cmax), bigrams: bi == 1}
	m.wordWeight, m.charWeight, m.temp = r.f32(), r.f32(), r.f32()
	m.nDocs = uint32(r.uv())
	k := r.count(1)
	for range k {
		n := r.count(1)
		m.labels = append(m.labels, string(r.take(n)))
	}
	nf := r.count(2)
	m.ids = make([]int32, 1<<bits)
	for i := range m.ids {
		m.ids[i] = -1
	}
	prev := uint64(0)
	for i := range nf {
		d := r.uv()
		prev += d
		if r.err == nil && (prev >= 1<<bits || (i > 0 && d == 0)) {
			return nil, errors.New("classify: unmarshal: buckets out of range or repeated")
		}
		if r.err == nil {
			m.ids[prev] = int32(i)
		}
	}
	m.df = make([]uint32, nf)
	for i := range m.df {
		m.df[i] = uint32(r.uv())
	}
	m.scale, m.bias = make([]float32, k), make([]float32, k)
	for c := range k {
		m.scale[c] = r.f32()
	}
	for c := range k {
		m.bias[c] = r.f32()
	}
	w := r.take(nf * k)
	if r.err != nil {
		return nil, fmt.Errorf("classify: unmarshal: %w", r.err)
	}
	if len(r.b) != r.p {
		return nil, errors.New("classify: unmarshal: trailing data")
	}
	if k < 2 {
		return nil, errors.New("classify: unmarshal: fewer than 2 labels")
	}
	m.weights = make([]int8, len(w))
	for i, x := range w {
		m.weights[i] = int8(x)
	}
	m.computeIDF()
	return m, nil
}

// reader decodes the body, remembering the first error so the decoder
// reads straight through and checks once.
type reader struct {
	b   []byte
	p   int
	err error
}

var errShort = errors.New("truncated model")

func (r *reader) uv() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.p:])
	if n <= 0 {
		r.err = errShort
		return 0
	}
	r.p += n
	return v
}

func (r *reader) f32() float32 {
	b := r.take(4)
	if b == nil {
		return 0
	}
	return math.Float32frombits(binary.LittleEndian.Uint32(b))
}

// take returns the next n bytes, or nil once the data runs out.
func (r *reader) take(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b)-r.p {
		r.err = errShort
		return nil
	}
	r.p += n
	return r.b[r.p-n : r.p]
}

// count reads a length and rejects one that could not fit in the rest of
// the data at minBytes per element, before anything is allocated for it.
func (r *reader) count(minBytes int) int {
	v := r.uv()
	if r.err == nil && v > uint64((len(r.b)-r.p)/minBytes) {
		r.err = errShort
		return 0
	}
	return int(v)
}
