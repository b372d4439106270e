// Swagger UI over the app's own OpenAPI schema (served locally: works offline).
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
