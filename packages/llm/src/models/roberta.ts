import type { ArchConfig } from "@vllm-ts/config";
import { BertModel } from "./bert.js";
import type { ParameterStore } from "./parameters.js";

/**
 * RoBERTa and XLM-R: BERT's encoder, with positions numbered as Hugging Face's
 * create_position_ids_from_input_ids does: padding tokens sit at padding_idx, the others count
 * up from padding_idx + 1 skipping the padding (so a prompt without padding starts at
 * padding_idx + 1).
 */
export class RobertaModel extends BertModel {
  private readonly paddingIdx: number;

  constructor(config: ArchConfig, params: ParameterStore, options: { keepPooler?: boolean } = {}) {
    super(config, params, options);
    this.paddingIdx = config.padTokenId ?? 1;
  }

  override positionIds(tokenIds: readonly number[]): Int32Array {
    const positions = new Int32Array(tokenIds.length);
    let count = 0;
    tokenIds.forEach((id, i) => {
      if (id === this.paddingIdx) {
        positions[i] = this.paddingIdx;
      } else {
        count++;
        positions[i] = this.paddingIdx + count;
      }
    });
    return positions;
  }
}
