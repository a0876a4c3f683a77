package web

import "github.com/gin-gonic/gin"

// registerPoolingPages adds the funding-stream, budget and report pages.
func (s *Server) registerPoolingPages(g *gin.RouterGroup) {}
