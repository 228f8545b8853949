"""The workspace's widgets: navigator, question pane, findings panel and small inputs."""
