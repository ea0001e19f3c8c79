package web

import "github.com/labstack/echo/v4"

// traineeRoutes registers the trainee workspace's pages and API routes.
func (s *Server) traineeRoutes(e *echo.Echo, api *echo.Group) {}
