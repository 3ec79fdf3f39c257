// Package bench measures tenantops end to end: the trigger (run as a
// subprocess, the way it is deployed) against every simulator and a
// throwaway PostgreSQL. It prints a figures table and writes it as JSON
// under bench/results/.
//
// Run it with `make bench`, or directly:
//
//	go test -run '^$' -bench . -benchtime 1x -timeout 30m ./bench/
//
// Sizes and durations come from BENCH_* environment variables (see Config);
// the defaults fit a 2-core machine in about five and a half minutes.
// Without -bench nothing heavy runs: `go test ./bench/` only checks the
// helpers.
package bench
