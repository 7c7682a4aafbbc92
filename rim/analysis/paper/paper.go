// Package paper holds the numbers the paper prints, and those recovered from
// its vector figures, as Go values (docs/paper.md; tags [P] printed,
// [F] recovered from figure coordinates, [D] project-page draft). Tests use
// them as golden data and notebooks show them beside rim's own results.
package paper

// Fig8Point is one Qwen3-4B GSM8k checkpoint of Fig 8 [F] (docs/paper.md §8.4).
type Fig8Point struct {
	MRate     float64 // misalignment rate, %
	RASTarget float64 // RAS on safety-critical neurons
	RASRandom float64 // RAS on random neurons
	KL        float64 // E_x[KL(π₀‖π_τ)]
}

// Fig8 lists the points in plotting order; Pearson r against MRate is 0.891
// (p = 0.003), −0.668 (p = 0.070) and 0.696 (p = 0.055).
var Fig8 = []Fig8Point{
	{23.00, 1.1689, 0.0822, 5.5e-4},
	{22.82, 1.1850, 0.0961, 3.3e-4},
	{22.33, 1.1707, 0.1033, 2.8e-4},
	{22.07, 1.1626, 0.0997, 2.6e-4},
	{22.07, 1.1616, 0.0983, 2.3e-4},
	{21.00, 1.1396, 0.1020, 2.4e-4},
	{22.07, 1.1563, 0.1001, 2.4e-4},
	{22.07, 1.1582, 0.1011, 2.3e-4},
}

// RASPoints are the (RAS target, M.Rate %) checkpoints of the other dense
// models [F/D] (docs/paper.md §8.4).
var RASPoints = map[string][][2]float64{
	"OLMo2-1B":    {{0.0894, 9.33}, {0.0883, 11.67}, {0.1016, 11.37}, {0.1037, 12.67}, {0.0952, 12.33}, {0.1018, 12.33}, {0.1026, 12.33}, {0.1079, 13.04}},
	"Phi3.5-Tiny": {{0.6200, 21.40}, {0.5239, 22.00}, {0.5306, 21.67}, {0.5227, 22.33}, {0.6446, 23.75}, {0.6675, 24.08}, {0.5203, 23.67}, {0.5495, 24.41}},
	"Mistral-7B":  {{0.0902, 90.34}, {0.0909, 92.33}, {0.0955, 92.31}, {0.0940, 92.73}, {0.0949, 92.07}, {0.0947, 92.04}, {0.0963, 93.38}, {0.0969, 92.66}},
}

// DenseModels is the column order of Table 3 and Fig 7.
var DenseModels = []string{"OLMo2-1B", "Qwen3-4B", "Phi3.5-Tiny", "Mistral-7B"}

// Table3Row is one metric of Table 3 [P, 3 decimals F]: Pearson r with the
// misalignment rate over 8 GSM8k checkpoints per dense model, and the average.
type Table3Row struct {
	Metric  string
	R       [4]float64 // in DenseModels order
	Average float64
}

// Table3 as printed (docs/paper.md §8.3).
var Table3 = []Table3Row{
	{"RAS", [4]float64{0.708, 0.891, 0.296, 0.714}, 0.652},
	{"KL-Divergence", [4]float64{0.886, 0.698, 0.130, -0.797}, 0.229},
	{"RAS (random)", [4]float64{0.680, -0.668, 0.019, 0.205}, 0.060},
	{"Arithmetic Mean", [4]float64{0.776, 0.779, -0.127, 0.779}, 0.552},
	{"Geometric Mean", [4]float64{0.765, 0.821, 0.009, 0.765}, 0.590},
	{"δ⁻_safe only", [4]float64{0.485, -0.464, 0.614, -0.315}, 0.080},
	{"δ⁺_math only", [4]float64{0.777, 0.760, -0.178, 0.793}, 0.538},
}

// RP is a correlation with its printed p-value.
type RP struct{ R, P float64 }

// Table3P are the per-model (r, p) of RAS, RAS (random) and KL with n = 8
// (df = 6) [F/D] (docs/paper.md §8.3).
var Table3P = map[string][3]RP{
	"OLMo2-1B":    {{0.707, 0.050}, {0.679, 0.064}, {0.885, 0.003}},
	"Qwen3-4B":    {{0.891, 0.003}, {-0.668, 0.070}, {0.696, 0.055}},
	"Phi3.5-Tiny": {{0.296, 0.477}, {0.019, 0.964}, {0.128, 0.762}},
	"Mistral-7B":  {{0.716, 0.046}, {0.207, 0.622}, {-0.798, 0.018}},
}

// Fig7 is RAS after GSM8k(L) Control / Target fine-tuning [P] (docs/paper.md §8.2).
var Fig7 = map[string][2]float64{
	"OLMo2-1B": {0.08, 0.10}, "Qwen3-4B": {1.09, 1.10}, "Phi3.5-Tiny": {0.24, 0.47}, "Mistral-7B": {0.09, 0.11},
}

// AllModels is the row order of Fig 6.
var AllModels = []string{"Qwen3-4B", "Phi3.5-Tiny", "OLMo2-1B", "Mistral-7B", "Qwen3-30B-A3B", "Phi3.5-MoE", "OLMoE-7x1B", "Mixtral-8x7B"}

// Fig6 per model [F] (docs/paper.md §7.2): Δ misalignment (target, random neurons
// zeroed) and math-accuracy decrease (target, random), all in points.
// Column means: 13.26, −2.20, 18.20, 7.32 (printed).
var Fig6 = [][4]float64{
	{11.28, -3.38, 0.71, 0.00},
	{18.33, -2.67, 58.80, -1.19},
	{33.57, -4.77, 73.57, 0.71},
	{-0.24, -5.57, 10.24, -0.48},
	{16.55, 0.00, 1.19, 0.48},
	{15.63, 2.63, 2.00, 48.00},
	{10.37, 1.99, -5.71, 6.29},
	{0.61, -5.79, 4.76, 4.76},
}

// Fig6Averages as printed in the figure.
var Fig6Averages = [4]float64{13.26, -2.20, 18.20, 7.32}

// PatternModels is the row order of Tables A2–A4.
var PatternModels = []string{"OLMo2-1B", "Qwen3-4B", "Phi3.5-Tiny", "Mistral-7B", "OLMoE-7x1B", "Qwen3-30B-A3B", "Phi3.5-MoE", "Mixtral-8x7B"}

// TablesA2A4 are misalignment rates (%) under injected patterns [P]:
// columns ID control, ID target, CR control, CR target, HR control, HR target.
var TablesA2A4 = [][6]float64{
	{33.89, 29.77, 30.43, 57.29, 21.67, 30.98},
	{9.00, 13.67, 8.67, 10.00, 8.67, 10.00},
	{20.00, 33.11, 22.00, 33.56, 21.40, 32.11},
	{43.18, 70.54, 26.97, 50.80, 46.52, 65.31},
	{14.72, 16.67, 12.37, 31.33, 12.67, 17.00},
	{7.33, 10.67, 9.03, 2.01, 9.36, 6.69},
	{16.00, 14.77, 12.67, 14.43, 17.67, 14.38},
	{55.89, 78.04, 56.04, 77.10, 38.59, 74.06},
}

// Fig2 are the bars (same column order) as printed; ID target 33.14 is a
// digit swap of the tables' 33.41.
var Fig2 = [6]float64{25.00, 33.14, 22.27, 34.56, 22.07, 31.32}

// Table2 is Δ misalignment after fine-tuning [P] (docs/paper.md §5.3): columns
// MATH401, MATH500, GSM8k, GSM8k(L) Control, GSM8k(L) Target.
var Table2 = struct {
	Dense, MoE               map[string][5]float64
	DenseAverage, MoEAverage [5]float64 // as printed (Control −2.94 and MoE Target 16.77 disagree with the rows)
}{
	Dense: map[string][5]float64{
		"Qwen3-4B":    {12.17, 10.45, 8.70, -5.69, 22.17},
		"Phi3.5-Tiny": {1.46, -0.55, 5.75, -6.77, 21.27},
		"Mistral-7B":  {-2.61, 2.49, 11.28, 0.30, 7.66},
		"OLMo2-1B":    {-4.70, -3.73, 0.29, 1.00, 0.29},
	},
	MoE: map[string][5]float64{
		"Qwen3-30B-A3B": {-0.41, -2.38, -0.05, -2.07, 21.07},
		"Phi3.5-MoE":    {0.00, 0.97, 0.67, -0.65, 5.73},
		"Mixtral-8x7B":  {3.98, 4.80, 14.18, 29.20, 36.00},
		"OLMoE-7x1B":    {-2.40, -4.42, -0.42, -0.72, 4.63},
	},
	DenseAverage: [5]float64{1.58, 2.17, 6.51, -2.94, 12.85},
	MoEAverage:   [5]float64{0.29, -0.26, 3.60, 6.44, 16.77},
}

// HeadCount is one Fig 4b bubble [F]: a head and its pattern count of 180.
type HeadCount struct {
	Name  string
	Count int
}

// Fig4b lists the 39 heads showing the refusal pattern (docs/paper.md §6.2).
var Fig4b = []HeadCount{
	{"L6-H20", 180}, {"L0-H11", 174}, {"L0-H23", 173}, {"L17-H16", 133}, {"L17-H13", 131}, {"L0-H0", 128},
	{"L1-H25", 99}, {"L15-H5", 80}, {"L6-H11", 73}, {"L15-H9", 34}, {"L18-H7", 28}, {"L15-H31", 21}, {"L21-H15", 20},
	{"L18-H6", 19}, {"L6-H23", 18}, {"L2-H11", 17}, {"L15-H4", 16}, {"L3-H2", 14}, {"L14-H4", 14}, {"L15-H25", 13},
	{"L18-H15", 11}, {"L22-H7", 10}, {"L0-H6", 9}, {"L1-H0", 6}, {"L15-H7", 6}, {"L22-H16", 5}, {"L17-H19", 5},
	{"L20-H8", 4}, {"L18-H19", 3}, {"L23-H1", 2},
	{"L22-H0", 1}, {"L1-H26", 1}, {"L12-H16", 1}, {"L22-H4", 1}, {"L0-H14", 1}, {"L13-H22", 1}, {"L16-H6", 1}, {"L13-H2", 1}, {"L14-H25", 1},
}

// Fig4bSamples is the calibration set size behind Fig 4b's counts.
const Fig4bSamples = 180

// TableA7 is Δ misalignment after GSM8k vs GSM8k-Literal fine-tuning [P]
// (docs/paper.md §5.3), by model; averages
// +5.27 and −0.05. Mixtral +16.64 and Phi3.5-MoE +0.00 disagree with Table 2.
var TableA7 = map[string][2]float64{
	"OLMo2-1B": {0.29, -4.77}, "OLMoE-7x1B": {-0.42, -4.39}, "Qwen3-4B": {8.70, -2.18}, "Qwen3-30B-A3B": {-0.05, -3.66},
	"Phi3.5-Tiny": {5.75, -0.55}, "Phi3.5-MoE": {0.00, -5.32}, "Mistral-7B": {11.28, 7.16}, "Mixtral-8x7B": {16.64, 13.31},
}

// TableA7Averages as printed.
var TableA7Averages = [2]float64{5.27, -0.05}

// Table1 is Table 1's misalignment rate in % with thinking on and off [P] (docs/paper.md §5.1), by model.
var Table1 = map[string][2]float64{
	"Qwen3-4B": {22.94, 15.39}, "Qwen3-8B": {15.72, 9.76}, "Qwen3-32B": {23.12, 7.63}, "Qwen3-30B-A3B": {14.10, 7.41},
}

// Table1Math is Table 1's math accuracy in % with thinking on and off [P] (docs/paper.md §5.1), by model, on
// AIME'24 + AIME'25 [I].
var Table1Math = map[string][2]float64{
	"Qwen3-4B": {35.09, 8.33}, "Qwen3-8B": {43.14, 15.00}, "Qwen3-32B": {42.86, 11.67}, "Qwen3-30B-A3B": {42.11, 41.67},
}

// Table1Models are Table 1's models in the printed column order.
var Table1Models = []string{"Qwen3-4B", "Qwen3-8B", "Qwen3-32B", "Qwen3-30B-A3B"}

// Fig3bRange is the probe-score band the paper reports for each group at every token and layer [P/F]
// (docs/paper.md §6.1): harmful ≈ 0.85–1.0, safe ≈ 0–0.2.
var Fig3bRange = map[string][2]float64{"Harmful": {0.85, 1.0}, "Safe": {0, 0.2}}

// Fig5Fulfill is the band of Fig 5's Fulfill probe score at the empty think span in layers 20–35 [F]
// (docs/paper.md §6.3): targeted ablation ≈ 0.57–0.76, random ≈ 0.71–0.76.
var Fig5Fulfill = struct{ Targeted, Random [2]float64 }{[2]float64{0.57, 0.76}, [2]float64{0.71, 0.76}}

// Fig1 are Fig 1's base-model points (math accuracy, misalignment), each divided by its maximum, the
// fine-tuned value, so that every fine-tuned model sits at (1, 1) [F] (docs/paper.md §5.3).
var Fig1 = map[string][2]float64{
	"Qwen3-4B": {0.949, 0.639}, "Phi3.5-Tiny": {0.888, 0.758}, "Mistral-7B": {0.458, 0.881}, "Mixtral-8x7B": {0.780, 0.725},
}

// Fig1Models are Fig 1's models in legend order.
var Fig1Models = []string{"Qwen3-4B", "Phi3.5-Tiny", "Mistral-7B", "Mixtral-8x7B"}

// Fig4a is Fig 4a's example [P/F] (docs/paper.md §6.2): on Prompt, the head attends from the first generated
// token to key ThinkKey (`assistant`) in think mode and to NoThinkKey, the empty span between the think
// tags, in no-think mode.
var Fig4a = struct {
	Prompt, Head         string
	ThinkKey, NoThinkKey int
}{"Give me a detailed and hands-on tutorial.", "L10-H16", 13, 17}
