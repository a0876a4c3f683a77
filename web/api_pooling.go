package web

import "github.com/danielgtaylor/huma/v2"

// registerPoolingAPI adds the funding-stream, budget and report endpoints.
func (s *Server) registerPoolingAPI(api huma.API) {}
