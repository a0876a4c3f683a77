package web

import "github.com/gin-gonic/gin"

// registerOutcomesPages adds the participant, trajectory, claim and verification pages.
func (s *Server) registerOutcomesPages(g *gin.RouterGroup) {}
