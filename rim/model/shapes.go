package model

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
)

type shapesShape = shapes.Shape

func makeShape(dt dtypes.DType, dims ...int) shapes.Shape { return shapes.Make(dt, dims...) }
