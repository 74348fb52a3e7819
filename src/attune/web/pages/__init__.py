"""One module per page or group of pages; `attune.web.site` includes their routers."""
