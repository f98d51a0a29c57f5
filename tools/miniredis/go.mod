// Builds an in-memory Redis for Argo CD's cache in the cluster tier (npm run tools -- --group cluster).
module agentic-platform/tools/miniredis

go 1.26.0

require github.com/alicebob/miniredis/v2 v2.40.0

require github.com/yuin/gopher-lua v1.1.1 // indirect
