module caliopen

go 1.26
