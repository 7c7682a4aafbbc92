package model

import "github.com/gomlx/gomlx/core/tensors"

func tensorsCopy(t *tensors.Tensor) ([]float32, error) { return tensors.CopyFlatData[float32](t) }
