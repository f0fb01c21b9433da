import type { RemediationAction } from "../../../schema";
import { disableUser, forcePasswordReset, quarantineDevice, revokeKey } from "./access-effects";
import type { ActionParameters } from "./catalog";
import type { Effect } from "./effect";
import { blockIp, isolateNode, rotateMeshKeys } from "./network-effects";

export const EFFECTS: { [A in RemediationAction]: Effect<ActionParameters[A]> } = {
  block_ip: blockIp,
  isolate_node: isolateNode,
  rotate_keys: rotateMeshKeys,
  revoke_api_key: revokeKey,
  disable_user: disableUser,
  quarantine_device: quarantineDevice,
  force_password_reset: forcePasswordReset,
};
