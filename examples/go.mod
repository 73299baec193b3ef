module example.com/goescape-demo

go 1.19
