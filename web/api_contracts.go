package web

import "github.com/danielgtaylor/huma/v2"

// registerContractsAPI adds the provider and contract endpoints.
func (s *Server) registerContractsAPI(api huma.API) {}
