// Builds the `lint` command of the chainsaw CLI at a pinned version. The full CLI of v0.2.12 does
// not compile with Go 1.25 or newer (its test runner implements an older testing.testDeps), and
// the module proxy serves no newer release, so this module links only chainsaw's own lint command,
// which checks test files against the same JSON schemas.
module agentic-platform/tools/chainsaw

go 1.23.0

require (
	github.com/kyverno/chainsaw v0.2.12
	github.com/spf13/cobra v1.8.1
)

require (
	github.com/gogo/protobuf v1.3.2 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.5 // indirect
	github.com/xeipuuv/gojsonpointer v0.0.0-20190905194746-02993c407bfb // indirect
	github.com/xeipuuv/gojsonreference v0.0.0-20180127040603-bd5ef7bd5415 // indirect
	github.com/xeipuuv/gojsonschema v1.2.0 // indirect
	k8s.io/apimachinery v0.31.3 // indirect
	sigs.k8s.io/json v0.0.0-20221116044647-bc3834ca7abd // indirect
	sigs.k8s.io/yaml v1.4.0 // indirect
)
