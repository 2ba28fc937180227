"""Build flow: named steps, config, runner, verification harness and the `finn` CLI."""
