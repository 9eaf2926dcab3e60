"""Vector engines that can hold the key-message library, behind one interface (base.Engine)."""
