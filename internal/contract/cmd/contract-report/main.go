// Command contract-report adds up the contract results the test packages
// wrote (TENANTOPS_CONTRACT_OUT) and prints one table per system: exchanges
// recorded and checked, violations, and the endpoints the product calls
// that no test exercised. It exits 1 on a violation or an uncovered
// endpoint, and on a missing reference file in CI.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"

	"github.com/tenantops/tenantops/internal/contract"
)

func main() {
	dir := flag.String("dir", "bin/contract", "directory the test packages wrote their results to")
	flag.Parse()
	results, err := contract.Load(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "contract-report:", err)
		os.Exit(1)
	}
	contract.Print(os.Stdout, "all packages", results)
	eps := contract.Endpoints()
	uncovered := contract.Uncovered(results)
	systems := make([]string, 0, len(eps))
	for s := range eps {
		systems = append(systems, s)
	}
	sort.Strings(systems)
	fail := contract.Failed(results)
	for _, s := range systems {
		fmt.Printf("  %-9s endpoints the product calls: %d, exercised: %d\n", s, len(eps[s]), len(eps[s])-len(uncovered[s]))
		for _, ep := range uncovered[s] {
			fmt.Printf("  UNCOVERED %s: %s\n", s, ep)
			fail = true
		}
	}
	if fail {
		fmt.Println("contract checks: FAILED")
		os.Exit(1)
	}
	fmt.Println("contract checks: ok")
}
