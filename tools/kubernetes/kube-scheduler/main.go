// Command kube-scheduler is the Kubernetes scheduler of the version pinned in ../go.mod, as
// upstream's cmd/kube-scheduler builds it. The cluster tier runs it so that the real scheduler
// places every pod on the simulated (kwok) nodes.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric
	"k8s.io/kubernetes/cmd/kube-scheduler/app"
)

func main() {
	command := app.NewSchedulerCommand()
	os.Exit(cli.Run(command))
}
