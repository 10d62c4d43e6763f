// Swagger UI on /api/docs/ over this server's OpenAPI document. An external script (not
// inline) so that the pages' Content-Security-Policy (script-src 'self') holds.
"use strict";
window.ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  // The session cookie goes with "Try it out" requests (same origin).
  withCredentials: true,
});
