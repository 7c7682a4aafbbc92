package model

import (
	"math"

	"github.com/gomlx/gomlx/core/tensors"
)

func tensorsCopy(t *tensors.Tensor) ([]float32, error) { return tensors.CopyFlatData[float32](t) }

func float32frombits(b uint32) float32 { return math.Float32frombits(b) }
