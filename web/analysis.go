package web

import "github.com/labstack/echo/v4"

// analysisRoutes registers the analysis workspace's pages and API routes.
func (s *Server) analysisRoutes(e *echo.Echo, api *echo.Group) {}
