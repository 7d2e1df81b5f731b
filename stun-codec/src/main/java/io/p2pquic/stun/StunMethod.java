package io.p2pquic.stun;

/**
 * A STUN method (12 bits). Known methods have names; any other value decodes too so that a server can
 * answer it with 400 rather than fail to parse.
 */
public record StunMethod(int code) {
  public static final StunMethod BINDING = new StunMethod(0x001);
  // TURN (RFC 8656)
  public static final StunMethod ALLOCATE = new StunMethod(0x003);
  public static final StunMethod REFRESH = new StunMethod(0x004);
  public static final StunMethod SEND = new StunMethod(0x006);
  public static final StunMethod DATA = new StunMethod(0x007);
  public static final StunMethod CREATE_PERMISSION = new StunMethod(0x008);
  public static final StunMethod CHANNEL_BIND = new StunMethod(0x009);

  public StunMethod {
    if (code < 0 || code > 0xFFF) {
      throw new IllegalArgumentException("STUN method out of range: " + code);
    }
  }

  public static StunMethod of(int code) {
    return switch (code) {
      case 0x001 -> BINDING;
      case 0x003 -> ALLOCATE;
      case 0x004 -> REFRESH;
      case 0x006 -> SEND;
      case 0x007 -> DATA;
      case 0x008 -> CREATE_PERMISSION;
      case 0x009 -> CHANNEL_BIND;
      default -> new StunMethod(code);
    };
  }

  public String name() {
    return switch (code) {
      case 0x001 -> "Binding";
      case 0x003 -> "Allocate";
      case 0x004 -> "Refresh";
      case 0x006 -> "Send";
      case 0x007 -> "Data";
      case 0x008 -> "CreatePermission";
      case 0x009 -> "ChannelBind";
      default -> String.format("0x%03x", code);
    };
  }

  @Override
  public String toString() {
    return name();
  }
}
