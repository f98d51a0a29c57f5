// Command argocd is upstream's multi-call cmd/main.go (github.com/argoproj/argo-cd/v3 v3.5.3)
// cut to the components the cluster tier runs: it dispatches on its binary name, or on
// $ARGOCD_BINARY_NAME, to the application controller, the repo-server, the ApplicationSet
// controller, and git-ask-pass (which the repo-server runs as itself for git credentials).
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	appcontroller "github.com/argoproj/argo-cd/v3/cmd/argocd-application-controller/commands"
	applicationset "github.com/argoproj/argo-cd/v3/cmd/argocd-applicationset-controller/commands"
	gitaskpass "github.com/argoproj/argo-cd/v3/cmd/argocd-git-ask-pass/commands"
	reposerver "github.com/argoproj/argo-cd/v3/cmd/argocd-repo-server/commands"
	"github.com/argoproj/argo-cd/v3/common"
	"github.com/argoproj/argo-cd/v3/util/log"
)

const binaryNameEnv = "ARGOCD_BINARY_NAME"

func init() {
	// As upstream: klog uses the configured log level and format.
	klog.SetLogger(log.NewLogrusLogger(log.NewWithCurrentConfig()))
}

func main() {
	binaryName := filepath.Base(os.Args[0])
	if val := os.Getenv(binaryNameEnv); val != "" {
		binaryName = val
	}
	var command *cobra.Command
	switch binaryName {
	case common.CommandApplicationController:
		command = appcontroller.NewCommand()
	case common.CommandRepoServer:
		command = reposerver.NewCommand()
	case common.CommandApplicationSetController:
		command = applicationset.NewCommand()
	case common.CommandGitAskPass:
		command = gitaskpass.NewCommand()
	default:
		fmt.Fprintf(os.Stderr, "argocd: run as %s, %s, %s or %s (binary name or $%s), not %q\n",
			common.CommandApplicationController, common.CommandRepoServer, common.CommandApplicationSetController,
			common.CommandGitAskPass, binaryNameEnv, binaryName)
		os.Exit(2)
	}
	if err := command.Execute(); err != nil {
		os.Exit(1)
	}
}
