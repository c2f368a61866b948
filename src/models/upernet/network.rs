//! The whole network, encoder and decoder, and its configuration.

use burn::prelude::*;

use super::decoder::{DecoderWidths, HeadClasses, UperNetDecoder, UperNetOutput};
use super::encoder::{BOTTLENECK_EXPANSION, ResnetEncoder};

/// Configuration of [`UperNet`]. The defaults are the released
/// `upp-resnet50-upernet`: a deep-stem ResNet-50 and a 512-channel decoder
/// with the Broden+ heads. [`UperNet::from_checkpoints`] reads every field
/// from the checkpoint files instead.
#[derive(Config, Debug, PartialEq)]
pub struct UperNetConfig {
    /// Output channels of the three stem convolutions.
    #[config(default = "[64, 64, 128]")]
    pub stem_channels: [usize; 3],
    /// Width (inner channels) of the bottleneck blocks of each stage; a
    /// stage outputs four times its width.
    #[config(default = "[64, 128, 256, 512]")]
    pub stage_widths: [usize; 4],
    /// Bottleneck blocks per stage (ResNet-50: 3, 4, 6, 3).
    #[config(default = "[3, 4, 6, 3]")]
    pub stage_blocks: [usize; 4],
    /// Channels of each pyramid-pooling branch.
    #[config(default = 512)]
    pub ppm_channels: usize,
    /// Channels of the feature pyramid, the fusion and the heads.
    #[config(default = 512)]
    pub fpn_channels: usize,
    /// Object classes, index 0 meaning "no object".
    #[config(default = 336)]
    pub object_classes: usize,
    /// Material classes.
    #[config(default = 26)]
    pub material_classes: usize,
    /// Scene classes.
    #[config(default = 365)]
    pub scene_classes: usize,
    /// Part logits, all groups together.
    #[config(default = 427)]
    pub part_classes: usize,
}

impl UperNetConfig {
    /// Builds the network with freshly initialised weights on `device`.
    pub fn init(&self, device: &Device) -> UperNet {
        UperNet {
            encoder: ResnetEncoder::new(
                self.stem_channels,
                self.stage_widths,
                self.stage_blocks,
                device,
            ),
            decoder: UperNetDecoder::new(self.decoder_widths(), device),
        }
    }

    /// The ResNet depth: three convolutions per bottleneck block plus the
    /// stem and the (dropped) classifier, 50 for blocks 3, 4, 6, 3.
    pub fn depth(&self) -> usize {
        3 * self.stage_blocks.iter().sum::<usize>() + 2
    }

    /// Channels of the four encoder stages.
    pub fn stage_channels(&self) -> [usize; 4] {
        self.stage_widths.map(|width| BOTTLENECK_EXPANSION * width)
    }

    /// The number of outputs of each head.
    pub fn head_classes(&self) -> HeadClasses {
        HeadClasses {
            object: self.object_classes,
            material: self.material_classes,
            scene: self.scene_classes,
            part: self.part_classes,
        }
    }

    pub(crate) fn decoder_widths(&self) -> DecoderWidths {
        DecoderWidths {
            stage_channels: self.stage_channels(),
            ppm_channels: self.ppm_channels,
            fpn_channels: self.fpn_channels,
            classes: self.head_classes(),
        }
    }
}

/// Unified Perceptual Parsing's UPerNet: a deep-stem ResNet encoder and the
/// UPerNet decoder with object, material, scene and part heads.
///
/// # Shapes
///
/// - input: `[batch_size, 3, height, width]`, BGR in 0..255 minus the
///   channel means, as [`preprocess`](super::preprocess) makes it
/// - output: logits at a quarter of the input resolution (see
///   [`UperNetOutput`])
#[derive(Module, Debug)]
pub struct UperNet {
    pub(crate) encoder: ResnetEncoder,
    pub(crate) decoder: UperNetDecoder,
}

impl UperNet {
    /// The logits of all four heads.
    pub fn forward(&self, input: Tensor<4>) -> UperNetOutput {
        self.decoder.forward(self.encoder.forward(input))
    }

    /// The object logits alone, at a quarter of the input resolution.
    ///
    /// # Shapes
    ///
    /// - output: `[batch_size, object classes, height / 4, width / 4]`
    pub fn forward_object(&self, input: Tensor<4>) -> Tensor<4> {
        self.decoder.forward_object(self.encoder.forward(input))
    }

    /// The encoder.
    pub fn encoder(&self) -> &ResnetEncoder {
        &self.encoder
    }

    /// The decoder.
    pub fn decoder(&self) -> &UperNetDecoder {
        &self.decoder
    }
}
