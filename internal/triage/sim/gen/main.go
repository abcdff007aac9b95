// Command gen derives the arrival shape from the ServiceNow sample and
// writes the synthetic two-week arrivals file shipped in examples/sim.
// Run it with go generate in internal/triage/sim.
package main

import (
	"bytes"
	"flag"
	"log"
	"os"

	"switchboard/internal/triage/sim"
)

func main() {
	corpus := flag.String("corpus", "", "ServiceNow incident event log CSV")
	roster := flag.String("roster", "", "roster JSON whose teams receive tickets")
	out := flag.String("out", "", "arrivals CSV to write")
	preset := flag.String("preset", "example", "arrival parameters: example or adversarial")
	flag.Parse()
	r, err := sim.LoadRoster(*roster)
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.Open(*corpus)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close() //nolint:errcheck // read only
	var b bytes.Buffer
	p, ok := sim.Presets[*preset]
	if !ok {
		log.Fatalf("unknown preset %q", *preset)
	}
	if err := sim.GeneratePreset(f, r, p, &b); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil { //nolint:gosec // example data committed to the repository, readable like any source file
		log.Fatal(err)
	}
}
