// Command kubectl is the Kubernetes CLI of the version pinned in ../go.mod, as upstream's
// cmd/kubectl builds it, without the cloud providers' client auth plugins (the integration tier
// authenticates with a client certificate only).
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	// Verbosity is set before the command is built, as upstream does, so klog honours -v while
	// kubectl reads its configuration.
	logs.GlogSetter(cmd.GetLogVerbosity(os.Args)) // nolint:errcheck
	command := cmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		util.CheckErr(err)
	}
}
