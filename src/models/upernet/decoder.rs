//! The UPerNet decoder: a pyramid pooling module on the coarsest encoder map,
//! a feature pyramid down to stride 4, a fusion of all pyramid levels, and
//! one classifier head per task.
//!
//! 1. Pyramid pooling: the stride-32 map `C5` is pooled by precise RoI
//!    pooling into 1×1, 2×2, 3×3 and 6×6 cells; each pooled map is resized
//!    back to the size of `C5` (bilinear), passed through a 1×1 convolution
//!    (`ppm_conv`), and all four are concatenated with `C5`. A 3×3
//!    convolution (`ppm_last_conv`) gives `P5`.
//! 2. Feature pyramid, top-down: for the stride-16, 8 and 4 maps, a 1×1
//!    convolution of the encoder map (`fpn_in`) plus the coarser level
//!    resized to its size gives the running sum; a 3×3 convolution of that
//!    sum (`fpn_out`) gives the level `P4`, `P3`, `P2`.
//! 3. Fusion: `P3`, `P4`, `P5` are resized to the size of `P2` and
//!    concatenated with it; a 3×3 convolution (`conv_fusion`) fuses them.
//! 4. Heads, each a 3×3 convolution then a 1×1 classifier with bias:
//!    objects and parts read the fused map, materials read `P2`, and the
//!    scene head averages its 3×3 convolution of `P5` over the whole map
//!    before classifying.
//!
//! Every convolution is bias-free and followed by batch norm and ReLU,
//! except the classifiers.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::prelude::*;

use super::blocks::{ConvNorm, resize_bilinear};
use super::prroi::prroi_pool;

/// The cell counts of the pyramid pooling module.
pub const POOL_SCALES: [usize; 4] = [1, 2, 3, 6];

/// A 3×3 convolution with batch norm and ReLU, then a 1×1 classifier.
///
/// Checkpoint keys `H.0.0.*`, `H.0.1.*` map onto `H.hidden.conv.*`,
/// `H.hidden.norm.*`, and the classifier (`H.1.*`, or `H.2.*` for the scene
/// head, whose `H.1` is the parameter-free average pool) onto
/// `H.classifier.*`.
#[derive(Module, Debug)]
pub struct ClassifierHead {
    hidden: ConvNorm,
    classifier: Conv2d,
}

impl ClassifierHead {
    fn new(channels: usize, classes: usize, device: &Device) -> Self {
        Self {
            hidden: ConvNorm::new([channels, channels], 3, 1, device),
            classifier: Conv2dConfig::new([channels, classes], [1, 1]).init(device),
        }
    }

    /// Per-pixel logits.
    ///
    /// # Shapes
    ///
    /// - input: `[batch_size, channels, height, width]`
    /// - output: `[batch_size, classes, height, width]`
    fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        self.classifier.forward(self.hidden.forward_relu(input))
    }

    /// Logits of the whole map: the hidden features averaged over space.
    ///
    /// # Shapes
    ///
    /// - input: `[batch_size, channels, height, width]`
    /// - output: `[batch_size, classes]`
    fn forward_pooled(&self, input: Tensor<4>) -> Tensor<2> {
        let hidden = self.hidden.forward_relu(input).mean_dim(2).mean_dim(3);
        let logits = self.classifier.forward(hidden);
        let [batch_size, classes, _, _] = logits.dims();
        logits.reshape([batch_size, classes])
    }
}

/// The sizes that define a decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecoderWidths {
    /// Channels of the four encoder stages, stride 4 to stride 32.
    pub stage_channels: [usize; 4],
    /// Channels of each pyramid-pooling branch (512 in the release).
    pub ppm_channels: usize,
    /// Channels of the feature pyramid and the heads (512 in the release).
    pub fpn_channels: usize,
    /// Classes of the object, material, scene and part heads.
    pub classes: HeadClasses,
}

/// The number of outputs of each head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeadClasses {
    /// Object classes, index 0 meaning "no object" (336 in the release).
    pub object: usize,
    /// Material classes (26 in the release).
    pub material: usize,
    /// Scene classes (365 in the release).
    pub scene: usize,
    /// Part logits of all objects with parts, group after group (427 in the release).
    pub part: usize,
}

/// The logits of all four heads.
#[derive(Debug, Clone)]
pub struct UperNetOutput {
    /// `[batch_size, object classes, height / 4, width / 4]`.
    pub object: Tensor<4>,
    /// `[batch_size, material classes, height / 4, width / 4]`.
    pub material: Tensor<4>,
    /// `[batch_size, scene classes]`.
    pub scene: Tensor<2>,
    /// `[batch_size, part logits, height / 4, width / 4]`; a softmax applies
    /// within each object's group (see [`PartGroup`](super::PartGroup)).
    pub part: Tensor<4>,
}

/// The UPerNet decoder with its four heads.
#[derive(Module, Debug)]
pub struct UperNetDecoder {
    ppm_conv: Vec<ConvNorm>,
    ppm_last_conv: ConvNorm,
    fpn_in: Vec<ConvNorm>,
    fpn_out: Vec<ConvNorm>,
    conv_fusion: ConvNorm,
    object_head: ClassifierHead,
    material_head: ClassifierHead,
    scene_head: ClassifierHead,
    part_head: ClassifierHead,
}

impl UperNetDecoder {
    /// A decoder of the given widths, freshly initialised on `device`.
    pub fn new(widths: DecoderWidths, device: &Device) -> Self {
        let DecoderWidths {
            stage_channels,
            ppm_channels,
            fpn_channels: fpn,
            classes,
        } = widths;
        let top = stage_channels[3];
        let pyramid_channels = top + POOL_SCALES.len() * ppm_channels;
        Self {
            ppm_conv: POOL_SCALES
                .iter()
                .map(|_| ConvNorm::new([top, ppm_channels], 1, 1, device))
                .collect(),
            ppm_last_conv: ConvNorm::new([pyramid_channels, fpn], 3, 1, device),
            fpn_in: stage_channels[..3]
                .iter()
                .map(|&channels| ConvNorm::new([channels, fpn], 1, 1, device))
                .collect(),
            fpn_out: (0..3)
                .map(|_| ConvNorm::new([fpn, fpn], 3, 1, device))
                .collect(),
            conv_fusion: ConvNorm::new([4 * fpn, fpn], 3, 1, device),
            object_head: ClassifierHead::new(fpn, classes.object, device),
            material_head: ClassifierHead::new(fpn, classes.material, device),
            scene_head: ClassifierHead::new(fpn, classes.scene, device),
            part_head: ClassifierHead::new(fpn, classes.part, device),
        }
    }

    /// `P5`: the pyramid pooling module on the stride-32 map.
    fn pyramid_pooling(&self, top: Tensor<4>) -> Tensor<4> {
        let [_, _, height, width] = top.dims();
        let mut branches = vec![top.clone()];
        for (&scale, conv) in POOL_SCALES.iter().zip(&self.ppm_conv) {
            let pooled = resize_bilinear(prroi_pool(top.clone(), scale), [height, width]);
            branches.push(conv.forward_relu(pooled));
        }
        self.ppm_last_conv.forward_relu(Tensor::cat(branches, 1))
    }

    /// The pyramid levels `[P2, P3, P4, P5]` from the encoder maps and `P5`.
    fn feature_pyramid(&self, features: &[Tensor<4>; 4], top: Tensor<4>) -> [Tensor<4>; 4] {
        let mut levels = [None, None, None, Some(top.clone())];
        let mut running = top;
        for index in (0..3).rev() {
            let lateral = self.fpn_in[index].forward_relu(features[index].clone());
            let [_, _, height, width] = lateral.dims();
            running = lateral + resize_bilinear(running, [height, width]);
            levels[index] = Some(self.fpn_out[index].forward_relu(running.clone()));
        }
        levels.map(|level| level.expect("every level is filled"))
    }

    /// All levels resized to `P2`, concatenated and fused.
    fn fuse(&self, levels: [Tensor<4>; 4]) -> Tensor<4> {
        let [_, _, height, width] = levels[0].dims();
        let resized = levels
            .into_iter()
            .map(|level| resize_bilinear(level, [height, width]))
            .collect();
        self.conv_fusion.forward_relu(Tensor::cat(resized, 1))
    }

    /// The logits of all heads.
    ///
    /// # Shapes
    ///
    /// - input: the four encoder maps, stride 4 to stride 32
    /// - output: see [`UperNetOutput`]
    pub fn forward(&self, features: [Tensor<4>; 4]) -> UperNetOutput {
        let top = self.pyramid_pooling(features[3].clone());
        let scene = self.scene_head.forward_pooled(top.clone());
        let levels = self.feature_pyramid(&features, top);
        let material = self.material_head.forward(levels[0].clone());
        let fused = self.fuse(levels);
        UperNetOutput {
            object: self.object_head.forward(fused.clone()),
            material,
            scene,
            part: self.part_head.forward(fused),
        }
    }

    /// The object logits alone, at stride 4, skipping the other heads.
    ///
    /// # Shapes
    ///
    /// - input: the four encoder maps, stride 4 to stride 32
    /// - output: `[batch_size, object classes, height / 4, width / 4]`
    pub fn forward_object(&self, features: [Tensor<4>; 4]) -> Tensor<4> {
        let top = self.pyramid_pooling(features[3].clone());
        let levels = self.feature_pyramid(&features, top);
        self.object_head.forward(self.fuse(levels))
    }
}
