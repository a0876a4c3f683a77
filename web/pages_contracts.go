package web

import "github.com/gin-gonic/gin"

// registerContractsPages adds the provider and contract pages.
func (s *Server) registerContractsPages(g *gin.RouterGroup) {}
