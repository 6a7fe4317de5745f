module github.com/azgardtek/infracast-go

go 1.19
