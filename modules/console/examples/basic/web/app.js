// Placeholder for the example: reads the generated config.json, as the real page does.
fetch("config.json")
  .then((r) => r.json())
  .then((c) => { document.getElementById("app").textContent = "API: " + c.api_base_url; });
