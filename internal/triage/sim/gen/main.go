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
	flag.Parse()
	r, err := sim.LoadRoster(*roster)
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.Open(*corpus)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	var b bytes.Buffer
	if err := sim.GenerateExample(f, r, &b); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
