// Command kube-controller-manager is the Kubernetes controller manager of the version pinned in
// ../go.mod, as upstream's cmd/kube-controller-manager builds it. The integration tier runs only
// its ClusterRole aggregation controller, which fills the built-in admin, edit and view roles.
package main

import (
	"os"
	_ "time/tzdata" // for CronJob time zone support

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	command := app.NewControllerManagerCommand()
	os.Exit(cli.Run(command))
}
