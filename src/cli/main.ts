console.error('comfyload: not built yet');
process.exitCode = 2;
