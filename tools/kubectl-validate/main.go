// Command kubectl-validate is sigs.k8s.io/kubectl-validate's CLI of the version pinned in go.mod,
// built with one upstream file replaced (see patched/validator.go and scripts/tools.ts).
package main

import (
	"os"

	"sigs.k8s.io/kubectl-validate/pkg/cmd"
)

// Exit codes as upstream's main.go: 1 invalid input, 2 bad arguments, 3 internal error.
func main() {
	if err := cmd.NewRootCommand().Execute(); err != nil {
		switch err.(type) {
		case cmd.ValidationError:
			os.Exit(1)
		case cmd.ArgumentError:
			os.Exit(2)
		default:
			os.Exit(3)
		}
	}
}
