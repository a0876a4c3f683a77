package web

import "github.com/danielgtaylor/huma/v2"

// registerBillingAPI adds the payment runs and statements.
func (s *Server) registerBillingAPI(api huma.API) {}
