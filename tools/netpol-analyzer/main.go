// Command k8snetpolicy is np-guard's netpol-analyzer CLI of the version pinned in go.mod.
package main

import "github.com/np-guard/netpol-analyzer/pkg/cli"

func main() {
	cli.Execute()
}
