package web

import "github.com/labstack/echo/v4"

// instructorRoutes registers the instructor workspace's pages and API routes.
func (s *Server) instructorRoutes(e *echo.Echo, api *echo.Group) {}
