// Command tsgen writes the TypeScript declarations of the UI↔core API (web/src/gen/api.ts)
// from the Go declarations in wasm/api, so the two sides cannot drift apart.
//
//	go run ./wasm/api/tsgen            write the file
//	go run ./wasm/api/tsgen -check     fail if the file is out of date
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"caliopen/wasm/api"
)

func main() {
	out := flag.String("o", "web/src/gen/api.ts", "output file")
	check := flag.Bool("check", false, "only check that the file is up to date")
	flag.Parse()
	src, err := Generate(api.All)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tsgen:", err)
		os.Exit(1)
	}
	if *check {
		have, _ := os.ReadFile(*out)
		if !bytes.Equal(have, src) {
			fmt.Fprintf(os.Stderr, "tsgen: %s is out of date: run go run ./wasm/api/tsgen\n", *out)
			os.Exit(1)
		}
		return
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "tsgen:", err)
		os.Exit(1)
	}
}
