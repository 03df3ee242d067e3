// Package docs holds the documents Tochka serves from its own files: the
// OpenAPI 3.1 description of the HTTP API (openapi.json), which the API
// answers at GET /v1/openapi.json. Package openapitest holds the API's
// tests to it.
package docs

import _ "embed"

// OpenAPI is the OpenAPI 3.1 document of the HTTP API.
//
//go:embed openapi.json
var OpenAPI []byte
