// Command kyverno is the kyverno CLI (kubectl-kyverno) of the version pinned in go.mod.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/kyverno/kyverno/cmd/cli/kubectl-kyverno/commands"
	"github.com/kyverno/kyverno/cmd/cli/kubectl-kyverno/commands/apply"
	"github.com/kyverno/kyverno/cmd/cli/kubectl-kyverno/experimental"
	"github.com/kyverno/kyverno/cmd/cli/kubectl-kyverno/log"
)

func main() {
	root := commands.RootCommand(experimental.IsEnabled())
	if err := log.Configure(); err != nil {
		fmt.Fprintln(os.Stderr, "Error: failed to set up logging:", err)
		os.Exit(1)
	}
	root.PersistentFlags().AddGoFlagSet(flag.CommandLine)
	if err := root.Execute(); err != nil {
		// `kyverno apply --warn-exit-code` asks for its own exit code on warnings.
		if warn, ok := err.(apply.WarnExitCodeError); ok {
			os.Exit(warn.ExitCode)
		}
		os.Exit(1)
	}
}
