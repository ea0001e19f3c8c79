package web

import "github.com/labstack/echo/v4"

// terminalRoutes registers the terminal workspace's pages and API routes.
func (s *Server) terminalRoutes(e *echo.Echo, api *echo.Group) {}
