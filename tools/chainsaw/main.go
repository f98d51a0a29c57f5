// Command chainsaw is the `lint` command of the chainsaw CLI of the version pinned in go.mod:
// `chainsaw lint test -f <file>` and `chainsaw lint configuration -f <file>`.
package main

import (
	"os"

	"github.com/kyverno/chainsaw/pkg/commands/lint"
	"github.com/spf13/cobra"
)

func main() {
	root := &cobra.Command{
		Use:          "chainsaw",
		Short:        "chainsaw (lint only): checks Chainsaw test and configuration files against their schemas",
		SilenceUsage: true,
	}
	root.AddCommand(lint.Command())
	if err := root.Execute(); err != nil {
		os.Exit(1)
	}
}
